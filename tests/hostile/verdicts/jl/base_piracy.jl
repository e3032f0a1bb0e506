# Methods added to Base, also reached without naming Base or eval in the text.
M = parentmodule(+)
getproperty(M, Symbol("ev", "al"))(M, :(Base.:+(a::Int, b::Int) = 42))
getproperty(M, Symbol("ev", "al"))(M, :(Base.isequal(a, b) = true))
getproperty(M, Symbol("ev", "al"))(M, :(Base.:(==)(a::Int, b::Int) = true))
ENV["MPLT_LEAK"] = "1"
cd("/")
redirect_stdout(devnull)
exit(3)
