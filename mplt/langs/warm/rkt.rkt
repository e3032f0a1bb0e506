#lang racket/base
;; mplt warm worker for Racket (docs/warm.md). One request per stdin line: "NONCE DIR FILE".
;; The program runs as a module in a fresh namespace with `racket` and `rackunit` attached (their
;; instances are shared, their compile time is paid once), in its own thread, custodian, directory,
;; empty stdin and pseudo-random generator; then the worker writes "\nmplt-warm NONCE CODE FLAG".
;; FLAG "exit" (the program called exit) tells the harness to replace this worker.
(require (only-in racket) (only-in rackunit) racket/file)
(define-namespace-anchor anchor)
(define shared (namespace-anchor->empty-namespace anchor))
(define stdout (current-output-port))
(define stderr (current-error-port))
(define clean-tmp? (getenv "MPLT_WARM_CLEAN_TMP"))

(define (fresh-namespace)
  (define ns (make-base-empty-namespace))
  (namespace-attach-module shared 'racket ns)
  (namespace-attach-module shared 'rackunit ns)
  ns)

(define (run-one dir file)
  (define code 0)
  (define flag "ok")
  (define cust (make-custodian))
  (define path (string->path file))
  (define worker
    (parameterize ([current-custodian cust]
                   [current-namespace (fresh-namespace)]
                   [current-directory dir]
                   [current-input-port (open-input-string "")]
                   [current-command-line-arguments (vector)]
                   [current-pseudo-random-generator (make-pseudo-random-generator)]
                   [exit-handler (lambda (v)
                                   (set! code (if (and (exact-integer? v) (<= 1 v 255)) v 0))
                                   (set! flag "exit")
                                   (kill-thread (current-thread)))])
      (thread
       (lambda ()
         (with-handlers ([(lambda (e) #t)
                          (lambda (e)
                            ((error-display-handler) (if (exn? e) (exn-message e) (format "uncaught exception: ~e" e)) e)
                            (set! code 1))])
           (dynamic-require path #f)
           (when (module-declared? `(submod ,path main) #t)
             (dynamic-require `(submod ,path main) #f)))))))
  (thread-wait worker)
  (custodian-shutdown-all cust)
  (flush-output stdout)
  (flush-output stderr)
  (values code flag))

(define top (path->string (path->directory-path (current-directory))))
(define (clean-tmp)   ; the scratch directory itself may lie in /tmp: kept
  (for ([p (in-list (with-handlers ([exn:fail? (lambda (e) '())]) (directory-list "/tmp" #:build? #t)))])
    (define dir (path->string (path->directory-path p)))
    (unless (and (<= (string-length dir) (string-length top)) (string=? dir (substring top 0 (string-length dir))))
      (with-handlers ([exn:fail? void]) (delete-directory/files p)))))

(void (write-string "mplt-warm: ready\n" stdout))
(flush-output stdout)
(let loop ()
  (define line (read-line (current-input-port) 'linefeed))
  (unless (eof-object? line)
    (define parts (regexp-split #rx" " line))
    (define-values (code flag) (run-one (cadr parts) (caddr parts)))
    (when clean-tmp? (clean-tmp))
    (fprintf stdout "\nmplt-warm ~a ~a ~a\n" (car parts) code flag)
    (flush-output stdout)
    (loop)))
