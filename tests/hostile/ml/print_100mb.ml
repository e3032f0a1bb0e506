(* @MARKER@: prints 100 MB; the output cap must stop it. *)
let line = String.make (1024 * 1024 - 1) 'x'
let () = for _ = 1 to 100 do print_endline line done
