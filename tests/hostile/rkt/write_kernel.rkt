#lang racket/base
;; @MARKER@: opens host kernel settings for writing (never writes to core_pattern); writes vm.swappiness.
(require racket/file racket/string)
(define (own-cgroup)
  (or (with-handlers ([exn:fail? (lambda (e) #f)])
        (for/or ([line (file->lines "/proc/self/cgroup")])
          (define parts (string-split line ":" #:trim? #f))
          (and (>= (length parts) 3) (equal? (cadr parts) "pids")
               (string-append "/sys/fs/cgroup/pids"
                              (string-trim (string-join (cddr parts) ":") "/" #:left? #f)
                              "/pids.max"))))
      "/sys/fs/cgroup/pids/pids.max"))
(for ([path (append @KERNEL_PATHS@ (list (own-cgroup)))])
  (with-handlers ([exn:fail? (lambda (e) (printf "DENIED ~a\n" path))])
    (call-with-output-file path #:exists 'append
      (lambda (out)
        (printf "OPENED ~a\n" path)
        (when (regexp-match? #rx"/vm/swappiness$" path)
          (display "@SWAPPINESS_NEW@\n" out))))))
