#lang racket/base
;; @MARKER@: tries to plant a file in the repository.
(call-with-output-file "@REPO_TARGET@" (lambda (out) (display "escaped" out)))
