#lang racket/base
;; @MARKER@: reads root-only and private files and the parent's secrets; prints sizes, never contents.
(require racket/file)
(for ([path @SECRET_PATHS@])
  (with-handlers ([exn:fail? (lambda (e) (printf "DENIED ~a\n" path))])
    (printf "READ ~a ~a\n" path (bytes-length (file->bytes path)))))
(for ([name @SECRET_ENV@])
  (define value (getenv name))
  (printf "~a env:~a\n" (if (and value (positive? (string-length value))) "READ" "DENIED") name))
