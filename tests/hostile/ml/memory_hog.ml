(* @MARKER@: allocates 8 GiB in 64 MiB pieces; RLIMIT_AS must stop it. *)
let hog = List.init 128 (fun _ -> Bytes.create (64 * 1024 * 1024))
let () = Printf.printf "%d\n" (List.length hog)
