let () =
  let oc = open_out "/tmp/mplt-leak" in
  output_string oc "leaked";
  close_out oc;
  (try let oc = open_out "../mplt-leak" in output_string oc "leaked"; close_out oc with _ -> ());
  exit 2
