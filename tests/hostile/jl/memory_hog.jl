# @MARKER@: allocates 8 GiB in 64 MiB arrays; the memory limit must stop it.
hog = Vector{Vector{UInt8}}()
for i in 1:128
    push!(hog, fill(UInt8(i), 64 * 1024 * 1024))
end
println(length(hog))
