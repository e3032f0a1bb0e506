#lang racket/base
;; @MARKER@: connects to a port the harness listens on.
(require racket/tcp)
(define-values (in out) (tcp-connect "127.0.0.1" @PORT@))
(display "escaped @MARKER@" out)
(close-output-port out)
