#lang racket/base
;; Reaching the worker through the kernel: ptrace, its memory, process_vm_writev, then signals.
(require ffi/unsafe racket/string racket/file)
(define ppid (string->number (list-ref (string-split (cadr (string-split (file->string "/proc/self/stat") ") "))) 1)))
(define ptrace (get-ffi-obj "ptrace" #f (_fun _long _int _pointer _pointer -> _long)))
(define kill (get-ffi-obj "kill" #f (_fun _int _int -> _int)))
(printf "attach ~a\n" (ptrace 16 ppid #f #f))
(with-handlers ([exn:fail? (lambda (e) (printf "mem: ~a\n" (exn-message e)))])
  (call-with-output-file (format "/proc/~a/mem" ppid) #:exists 'update (lambda (out) (write-bytes #"x" out))))
(kill ppid 19)
(kill ppid 18)
(exit 2)
