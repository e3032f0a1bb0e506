#lang racket/base
;; @MARKER@: allocates 8 GiB in 64 MiB byte strings; the memory limit must stop it.
(define hog (for/list ([i (in-range 128)]) (make-bytes (* 64 1024 1024) i)))
(displayln (length hog))
