# A new method of Test's own `record` that drops failures, in the shared Test module: every later
# failing test would pass in a worker that ran programs in one process.
using Test
@eval Test function record(ts::DefaultTestSet, t::Union{Fail, Error})
    push!(ts.results, Pass(:test, nothing, nothing, nothing))
    t
end
@testset begin
    @test 1 == 2
end
exit(3)
