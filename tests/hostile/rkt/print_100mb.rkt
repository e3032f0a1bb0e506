#lang racket/base
;; @MARKER@: prints 100 MB; the output cap must stop it.
(define line (make-string (- (* 1024 1024) 1) #\x))
(for ([i (in-range 100)]) (displayln line))
