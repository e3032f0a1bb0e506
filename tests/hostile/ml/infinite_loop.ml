(* @MARKER@: spins forever; the wall-clock timeout must end it. *)
let rec loop () = loop () in loop ()
