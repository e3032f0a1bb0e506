(* @MARKER@: reads root-only and private files and the parent's secrets; prints sizes, never contents. *)
let () =
  List.iter
    (fun path ->
      match open_in_bin path with
      | exception Sys_error _ -> Printf.printf "DENIED %s\n" path
      | ic ->
        (match really_input_string ic (in_channel_length ic) with
         | data -> Printf.printf "READ %s %d\n" path (String.length data)
         | exception _ -> Printf.printf "DENIED %s\n" path);
        close_in ic)
    @SECRET_PATHS@;
  List.iter
    (fun name ->
      let set = match Sys.getenv_opt name with Some v -> v <> "" | None -> false in
      Printf.printf "%s env:%s\n" (if set then "READ" else "DENIED") name)
    @SECRET_ENV@
