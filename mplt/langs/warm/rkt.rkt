#lang racket/base
;; mplt warm worker for Racket (docs/warm.md). Arguments: ANSWER_FD TMPDIR. The worker loads
;; `racket` and `rackunit`, runs a warm-up program of its own, makes itself non-dumpable, and then
;; serves one request per stdin line, "ID DIR FILE OUT ERR GO" (GO unused): it forks, answers
;; "ID pid PID" on ANSWER_FD and never reports a verdict (the harness reads the child's exit status
;; from the kernel). The child first gives itself private copies of every kernel object it shares
;; with the worker (`private-descriptors`), takes /dev/null as stdin and the FIFOs OUT and ERR as
;; stdout and stderr, then requires FILE as a module in a fresh namespace with `racket` and
;; `rackunit` attached, as `racket FILE` does, and exits through Racket's `exit`: 0, or 1 after an
;; uncaught error (printed by the error display handler), or what the program gives `exit`; 121
;; when its set-up failed.
(require ffi/unsafe racket/file racket/list racket/string (only-in racket) (only-in rackunit))
(define-namespace-anchor anchor)
(define shared (namespace-anchor->empty-namespace anchor))
(define args (current-command-line-arguments))
(define answer-fd (string->number (vector-ref args 0)))
(putenv "TMPDIR" (vector-ref args 1))

(define-syntax-rule (libc name type) (get-ffi-obj name #f type))
(define c-fork (libc "fork" (_fun -> _int)))
(define c-exit (libc "_exit" (_fun _int -> _void)))
(define c-write (libc "write" (_fun _int _bytes _size -> _ssize)))
(define c-close (libc "close" (_fun _int -> _int)))
(define c-open (libc "open" (_fun _path _int -> _int)))
(define c-dup3 (libc "dup3" (_fun _int _int _int -> _int)))
(define c-fcntl (libc "fcntl" (_fun _int _int _int -> _int)))
(define c-ioctl (libc "ioctl" (_fun _int _ulong (n : (_ptr o _int)) -> (r : _int) -> n)))
(define c-pipe2 (libc "pipe2" (_fun (fds : (_ptr o (_array _int 2))) _int -> (r : _int) -> fds)))
(define c-epoll-create1 (libc "epoll_create1" (_fun _int -> _int)))
(define c-eventfd (libc "eventfd" (_fun _uint _int -> _int)))
(define c-epoll-ctl (libc "epoll_ctl" (_fun _int _int _int _bytes -> _int)))
(define c-waitpid (libc "waitpid" (_fun _int _pointer _int -> _int)))
(define c-prctl (libc "prctl" (_fun _int _ulong _ulong _ulong _ulong -> _int)))
(define c-getpid (libc "getpid" (_fun -> _int)))
(define O_RDONLY 0)
(define O_WRONLY 1)
(define O_CLOEXEC #o2000000)
(define F_GETFD 1)
(define F_GETFL 3)
(define F_SETFL 4)
(define FIONREAD #x541B)
(define WNOHANG 1)
(define PR_SET_DUMPABLE 4)
(define SETUP-FAILED 121)   ; the child could not set itself up: the harness runs the program cold

(define (answer text)
  (define line (string->bytes/utf-8 (string-append text "\n")))
  (c-write answer-fd line (bytes-length line)))

(define (descriptors)
  (for/list ([name (in-list (directory-list "/proc/self/fd"))]
             #:when (string->number (path->string name)))
    (define fd (string->number (path->string name)))
    (cons fd (with-handlers ([exn:fail? (lambda (e) "")])
               (path->string (resolve-path (build-path "/proc/self/fd" name)))))))

(define (replace! old new)
  ;; `new` takes the number `old`, with its close-on-exec flag and status flags.
  (define cloexec (if (positive? (bitwise-and (c-fcntl old F_GETFD 0) 1)) O_CLOEXEC 0))
  (c-fcntl new F_SETFL (c-fcntl old F_GETFL 0))
  (c-dup3 new old cloexec)
  (c-close new))

;; The runtime's own kernel objects (its wake-up pipe, its poll set) are shared with the worker and
;; every other child after a fork: a program writing into them could reach the worker or the next
;; program. Each gets a private copy (a pipe keeps the bytes it held, as a count); the answer pipe
;; and anything else unknown are closed.
(define (private-descriptors out err)
  (define fds (descriptors))
  (define pipes (make-hash))
  (define polls '())
  (for ([entry (in-list fds)])
    (define fd (car entry))
    (define target (cdr entry))
    (cond
      [(= fd 0) (replace! 0 (c-open "/dev/null" O_RDONLY))]
      [(= fd 1) (replace! 1 (c-open out O_WRONLY))]
      [(= fd 2) (replace! 2 (c-open err O_WRONLY))]
      [(string=? target "/dev/null") (void)]
      [(string=? target "anon_inode:[eventpoll]") (set! polls (cons fd polls))]
      [(string=? target "anon_inode:[eventfd]") (replace! fd (c-eventfd 0 O_CLOEXEC))]
      [(and (string-prefix? target "pipe:") (not (= fd answer-fd)))
       (hash-update! pipes target (lambda (ends) (cons fd ends)) '())]
      [else (c-close fd)]))
  (for ([ends (in-hash-values pipes)])
    (define read-end (for/first ([fd (in-list ends)] #:when (zero? (bitwise-and (c-fcntl fd F_GETFL 0) 3))) fd))
    (define write-end (for/first ([fd (in-list ends)] #:unless (eqv? fd read-end)) fd))
    (define fresh (c-pipe2 O_CLOEXEC))
    (when read-end
      (define pending (c-ioctl read-end FIONREAD))
      (when (positive? pending) (c-write (array-ref fresh 1) (make-bytes pending 42) pending))
      (replace! read-end (array-ref fresh 0)))
    (if write-end (replace! write-end (array-ref fresh 1)) (c-close (array-ref fresh 1)))
    (unless read-end (c-close (array-ref fresh 0))))
  ;; The poll set last: a copy watching the same descriptor numbers (now the child's own objects)
  ;; for the same events.
  (for ([fd (in-list polls)]) (replace! fd (poll-copy fd))))

(define (poll-copy fd)
  (define fresh (c-epoll-create1 O_CLOEXEC))
  ;; struct epoll_event: 32-bit events, 64-bit data; packed (12 bytes) on x86_64.
  (define at-data (if (eq? (system-type 'arch) 'x86_64) 4 8))
  (for ([m (in-list (regexp-match* #px"tfd:\\s*(\\d+)\\s+events:\\s*([0-9a-f]+)\\s+data:\\s*([0-9a-f]+)"
                                   (file->string (format "/proc/self/fdinfo/~a" fd)) #:match-select cdr))])
    (define event (make-bytes (+ at-data 8) 0))
    (integer->integer-bytes (string->number (cadr m) 16) 4 #f (system-big-endian?) event 0)
    (integer->integer-bytes (string->number (caddr m) 16) 8 #f (system-big-endian?) event at-data)
    (c-epoll-ctl fresh 1 (string->number (car m)) event))
  fresh)

(define (fresh-namespace)
  (define ns (make-base-empty-namespace))
  (namespace-attach-module shared 'racket ns)
  (namespace-attach-module shared 'rackunit ns)
  ns)

(define (run-program dir file)
  (define path (string->path file))
  (with-handlers ([(lambda (e) #t)
                   (lambda (e)
                     ((error-display-handler) (if (exn? e) (exn-message e) (format "uncaught exception: ~e" e)) e)
                     1)])
    (parameterize ([current-namespace (fresh-namespace)]
                   [current-directory dir]
                   [current-command-line-arguments (vector)]
                   [current-pseudo-random-generator (make-pseudo-random-generator)])
      (dynamic-require path #f)
      (when (module-declared? `(submod ,path main) #t)
        (dynamic-require `(submod ,path main) #f)))
    0))

;; Warm-up: expanding and running a module that uses rackunit, with a failing check, in the worker
;; itself, so that every child starts with that work done. Its output goes to the worker's own
;; stdout and stderr, which belong to no program.
(define warm-up (build-path (find-system-path 'temp-dir) "mplt-warm-up.rkt"))
(with-output-to-file warm-up #:exists 'replace
  (lambda () (display "#lang racket\n(require rackunit)\n(define (f x) (* 2 x))\n(check-equal? (f 2) 4)\n(check-equal? (f 2) 5)\n(displayln (list (f 1) \"x\" 1.5))\n")))
(run-program (current-directory) (path->string warm-up))
(delete-file warm-up)
(collect-garbage (quote major))
(c-prctl PR_SET_DUMPABLE 0 0 0 0)

(define stdout (current-output-port))
(define stderr (current-error-port))
(answer (format "0 ready ~a" (c-getpid)))
(let loop ()
  (define line (read-line (current-input-port) 'linefeed))
  (unless (eof-object? line)
    (define parts (string-split line " "))
    (let reap () (when (positive? (c-waitpid -1 #f WNOHANG)) (reap)))
    (flush-output stdout)
    (flush-output stderr)
    (define pid (c-fork))
    (cond
      [(zero? pid)
       (with-handlers ([(lambda (e) #t) (lambda (e) (c-exit SETUP-FAILED))])
         (private-descriptors (list-ref parts 3) (list-ref parts 4)))
       ;; Racket's own exit, as `racket FILE` ends: the exit handler, the plumber's flushes.
       (exit (parameterize ([current-input-port (open-input-string "")])
               (run-program (list-ref parts 1) (list-ref parts 2))))]
      [else (answer (format "~a pid ~a" (car parts) pid))])
    (loop)))
