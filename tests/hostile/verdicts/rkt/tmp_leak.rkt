#lang racket
(display-to-file "leaked" "/tmp/mplt-leak" #:exists 'replace)
(with-handlers ([exn:fail? void]) (display-to-file "leaked" "../mplt-leak" #:exists 'replace))
(exit 2)
