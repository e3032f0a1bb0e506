(* @MARKER@: connects to an abstract unix socket the harness listens on. *)
#load "unix.cma";;
let () =
  let s = Unix.socket Unix.PF_UNIX Unix.SOCK_STREAM 0 in
  Unix.connect s (Unix.ADDR_UNIX ("\000" ^ "@ABSTRACT@"));
  ignore (Unix.write_substring s "escaped @MARKER@" 0 (String.length "escaped @MARKER@"))
