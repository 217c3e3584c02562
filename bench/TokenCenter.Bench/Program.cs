using TokenCenter.Bench;
using TokenCenter.Bench.Servers;

// bench/run.sh runs `TokenCenter.Bench run [--quick] [--only a,b]`; the serve-* modes are the
// baseline servers the driver starts as child processes.
return args.FirstOrDefault() switch
{
    "serve-constant" => await ConstantServer.RunAsync(args[1..]),
    "serve-dictionary" => await DictionaryServer.RunAsync(args[1..]),
    "run" or null => await Driver.RunAsync(args.Length > 0 ? args[1..] : []),
    var other => Usage(other),
};

static int Usage(string mode)
{
    Console.Error.WriteLine($"unknown mode '{mode}'. Usage: TokenCenter.Bench run [--quick] [--only name,name] [--results DIR] [--repo DIR]");
    return 2;
}
