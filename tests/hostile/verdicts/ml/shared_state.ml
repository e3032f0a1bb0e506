(* What a program can change in its own process: the standard channels, Random, a global printer. *)
let () =
  Random.init 42;
  set_binary_mode_out stdout true;
  Printexc.record_backtrace true;
  at_exit (fun () -> exit 0);
  raise Not_found
