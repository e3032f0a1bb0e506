(* @MARKER@: kills its parent process, then waits for the harness to be gone. *)
#load "unix.cma";;
let () = Unix.kill (Unix.getppid ()) Sys.sigkill
let rec loop () = Unix.sleep 1; loop ()
let () = loop ()
