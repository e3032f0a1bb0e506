(* An at_exit hook that prints a completion line without the nonce, then an uncaught exception. *)
let () = at_exit (fun () -> print_string "\nmplt-completed-000000000000000000000000\n")
let () = failwith "the attacker fails"
