(* @MARKER@: opens host kernel settings for writing (never writes to core_pattern); writes vm.swappiness. *)
let own_cgroup () =
  let default = "/sys/fs/cgroup/pids/pids.max" in
  match open_in "/proc/self/cgroup" with
  | exception Sys_error _ -> default
  | ic ->
    let rec loop () =
      match input_line ic with
      | exception End_of_file -> default
      | line ->
        (match String.split_on_char ':' line with
         | _ :: "pids" :: rest ->
           let p = String.concat ":" rest in
           let n = String.length p in
           let p = if n > 0 && p.[n - 1] = '/' then String.sub p 0 (n - 1) else p in
           "/sys/fs/cgroup/pids" ^ p ^ "/pids.max"
         | _ -> loop ())
    in
    let found = loop () in
    close_in ic;
    found

let () =
  List.iter
    (fun path ->
      match open_out_gen [Open_wronly; Open_append] 0o644 path with
      | exception Sys_error _ -> Printf.printf "DENIED %s\n%!" path
      | oc ->
        Printf.printf "OPENED %s\n%!" path;
        if Filename.basename path = "swappiness" then output_string oc "@SWAPPINESS_NEW@\n";
        (try close_out oc with Sys_error _ -> ()))
    (@KERNEL_PATHS@ @ [own_cgroup ()])
