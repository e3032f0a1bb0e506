# @MARKER@: spins forever; the wall-clock timeout must end it.
function spin()
    x = 0
    while true
        x += 1
    end
end
spin()
