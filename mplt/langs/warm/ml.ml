(* mplt warm worker for OCaml (docs/warm.md). One request per stdin line: "NONCE DIR FILE".
   The worker forks per program; the child runs it with Toploop.run_script, what `ocaml FILE`
   itself does (a fresh initial environment, errors printed the same way), and exits 0 or 2 as
   `ocaml` does. The worker has Unix and the toplevel's own modules within reach, a cold run has
   not: a program that names them is answered "cold" without running; compiler-libs is taken off
   the child's load path (its other modules are not linked: an Error, as in a cold run). *)
let () =
  print_string "mplt-warm: ready\n";
  flush stdout;
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
  let rec wait pid =
    try snd (Unix.waitpid [] pid) with Unix.Unix_error (Unix.EINTR, _, _) -> wait pid
  in
  try
    while true do
      match String.split_on_char ' ' (input_line stdin) with
      | [nonce; dir; file] ->
        let code, flag =
          if names_unix file then (0, "cold")
          else begin
            flush stdout;
            flush stderr;
            match Unix.fork () with
            | 0 ->
              Unix.chdir dir;
              let null = Unix.openfile "/dev/null" [Unix.O_RDONLY] 0 in
              Unix.dup2 null Unix.stdin;
              (* Only the program's directory and the standard library, as for `ocaml FILE`. *)
              Topdirs.dir_remove_directory "+compiler-libs";
              let ok = Toploop.run_script Format.err_formatter file [| file |] in
              Format.pp_print_flush Format.err_formatter ();
              Format.pp_print_flush Format.std_formatter ();
              exit (if ok then 0 else 2)
            | pid ->
              (match wait pid with Unix.WEXITED c -> (c, "ok") | _ -> (0, "cold"))
          end
        in
        Printf.printf "\nmplt-warm %s %d %s\n%!" nonce code flag
      | _ -> ()
    done
  with End_of_file -> ()
