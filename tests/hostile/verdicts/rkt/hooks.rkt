#lang racket
;; Flush callbacks and an exit handler that would print a completion line or change an exit status.
(plumber-add-flush! (current-plumber) (lambda (h) (display "\nmplt-completed-000000000000000000000000\n")))
(let ([old (exit-handler)]) (exit-handler (lambda (v) (old 0))))
(error 'attacker "fails")
