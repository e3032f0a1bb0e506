(* mplt warm worker for OCaml (docs/warm.md). Arguments: ANSWER_FD TMPDIR. One request per stdin
   line, "ID DIR FILE OUT ERR GO" (GO unused); the worker forks, answers "ID pid PID" on ANSWER_FD, and never
   reports a verdict: the harness reads the child's exit status from the kernel. The child closes
   the worker's descriptors (its script, the answer pipe, the requests), takes /dev/null as stdin and the FIFOs
   OUT and ERR as stdout and stderr, and runs FILE with Toploop.run_script, what `ocaml FILE` does
   (a fresh initial environment, errors printed the same way, exit 0 or 2). A program that names
   Unix or the toplevel's own modules, which the worker has loaded and `ocaml FILE` has not, is
   answered "ID cold" and runs cold. *)
let () =
  let answers : Unix.file_descr = Obj.magic (int_of_string Sys.argv.(1)) in
  Unix.putenv "TMPDIR" Sys.argv.(2);
  let answer text =
    let line = Bytes.of_string (text ^ "\n") in
    ignore (Unix.write answers line 0 (Bytes.length line))
  in
  let names_unix file =
    let ic = open_in_bin file in
    let text = really_input_string ic (in_channel_length ic) in
    close_in ic;
    let has word =
      let n = String.length word in
      let rec scan i = i + n <= String.length text && (String.sub text i n = word || scan (i + 1)) in
      scan 0
    in
    List.exists has ["Unix"; "Toploop"; "Topdirs"; "Topmain"]
  in
  let rec reap () =
    match Unix.waitpid [Unix.WNOHANG] (-1) with
    | (0, _) -> ()
    | _ -> reap ()
    | exception Unix.Unix_error (Unix.EINTR, _, _) -> reap ()
    | exception Unix.Unix_error (Unix.ECHILD, _, _) -> ()
  in
  let onto path flags target =
    let fd = Unix.openfile path flags 0 in
    Unix.dup2 fd target;
    Unix.close fd
  in
  answer (Printf.sprintf "0 ready %d" (Unix.getpid ()));
  try
    while true do
      match String.split_on_char ' ' (input_line stdin) with
      | [id; dir; file; out; err; _go] ->
        reap ();
        if names_unix file then answer (id ^ " cold")
        else begin
          flush stdout;
          flush stderr;
          match Unix.fork () with
          | 0 ->
            (* Every descriptor the worker holds but 0, 1 and 2 (its script, the answer pipe). *)
            Array.iter (fun name ->
                match int_of_string_opt name with
                | Some fd when fd > 2 -> (try Unix.close (Obj.magic fd : Unix.file_descr) with Unix.Unix_error _ -> ())
                | _ -> ())
              (Sys.readdir "/proc/self/fd");
            onto "/dev/null" [Unix.O_RDONLY] Unix.stdin;
            onto out [Unix.O_WRONLY] Unix.stdout;
            onto err [Unix.O_WRONLY] Unix.stderr;
            Unix.chdir dir;
            (* Only the program's directory and the standard library, as for `ocaml FILE`. *)
            Topdirs.dir_remove_directory "+compiler-libs";
            let ok = Toploop.run_script Format.err_formatter file [| file |] in
            Format.pp_print_flush Format.err_formatter ();
            Format.pp_print_flush Format.std_formatter ();
            exit (if ok then 0 else 2)
          | pid -> answer (Printf.sprintf "%s pid %d" id pid)
        end
      | _ -> ()
    done
  with End_of_file -> ()
