function add(a::Int64, b::Int64)::Int64 
    exit(0)
end
using Test

@testset begin

candidate = add;
	@test(candidate(1, 2) == 3)
end
