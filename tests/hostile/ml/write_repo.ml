(* @MARKER@: tries to plant a file in the repository. *)
let () =
  let oc = open_out "@REPO_TARGET@" in
  output_string oc "escaped";
  close_out oc
