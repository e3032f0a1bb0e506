(* @MARKER@: connects to a port the harness listens on. *)
#load "unix.cma";;
let () =
  let s = Unix.socket Unix.PF_INET Unix.SOCK_STREAM 0 in
  Unix.connect s (Unix.ADDR_INET (Unix.inet_addr_of_string "127.0.0.1", @PORT@));
  ignore (Unix.write_substring s "escaped" 0 7)
