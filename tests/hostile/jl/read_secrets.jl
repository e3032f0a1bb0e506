# @MARKER@: reads root-only and private files and the parent's secrets; prints sizes, never contents.
for path in @SECRET_PATHS@
    try
        println("READ ", path, " ", length(read(path)))
    catch
        println("DENIED ", path)
    end
end
for name in @SECRET_ENV@
    println(isempty(get(ENV, name, "")) ? "DENIED" : "READ", " env:", name)
end
