(* @MARKER@: writes 8 MiB files until the disk is full; the disk quota must stop it. *)
let block = Bytes.make (8 * 1024 * 1024) 'x'
let () =
  for i = 0 to 999 do
    let oc = open_out_bin (Printf.sprintf "fill-%d.bin" i) in
    output_bytes oc block;
    close_out oc
  done
