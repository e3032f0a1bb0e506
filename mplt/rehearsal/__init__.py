"""`run --rehearse` (docs/rehearsal.md): the profile transform (`profile`) and the rehearsal's own
stages (`standins`)."""
