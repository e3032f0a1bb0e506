#lang racket/base
;; @MARKER@: tries to plant a file in the real home directory of the harness.
(call-with-output-file "@HOME_TARGET@" (lambda (out) (display "escaped" out)))
