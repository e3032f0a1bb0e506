#lang racket
;; Parameters, environment variables, rackunit's handler and the reader, as one namespace-sharing
;; worker shared them.
(require rackunit)
(current-check-handler void)
(current-check-around (lambda (thunk) (void)))
(putenv "MPLT_LEAK" "1")
(print-graph #t)
(read-decimal-as-inexact #f)
(current-output-port (open-output-nowhere))
(current-error-port (open-output-nowhere))
(void (thread (lambda () (let loop () (sleep 0.01) (loop)))))
(exit 4)
