#lang racket/base
;; @MARKER@: writes 8 MiB files until the disk is full; the disk quota must stop it.
(define block (make-bytes (* 8 1024 1024) 120))
(for ([i (in-range 1000)])
  (call-with-output-file (format "fill-~a.bin" i) (lambda (out) (write-bytes block out))))
