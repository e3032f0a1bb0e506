#lang racket/base
;; @MARKER@: spins forever; the wall-clock timeout must end it.
(let loop () (loop))
