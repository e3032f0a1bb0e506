(* @MARKER@: tries to plant a file in the real home directory of the harness. *)
let () =
  let oc = open_out "@HOME_TARGET@" in
  output_string oc "escaped";
  close_out oc
