using System.CommandLine;
using TokenCenter.Ctl.Commands;

namespace TokenCenter.Ctl;

/// <summary>The <c>tokenctl</c> command line: get, refresh, watch, status.</summary>
internal static class TokenCtlApp
{
    /// <summary>Parses <paramref name="args"/> and runs the command; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?> environment, CancellationToken cancellationToken = default)
    {
        var options = new CtlOptions(environment);
        var runner = new CtlRunner(options, output, error);
        var root = new RootCommand("tokenctl: operate a TokenCenter server (get, refresh, watch, status). " + ExitCodes.Help)
        {
            options.Address,
            options.ApiKey,
            options.Json,
            options.Timeout,
            GetCommand.Create(options, runner),
            RefreshCommand.Create(options, runner),
            WatchCommand.Create(options, runner),
            StatusCommand.Create(options, runner),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                await error.WriteLineAsync($"tokenctl: {e.Message}");
            }

            await error.WriteLineAsync("Run 'tokenctl --help' for usage.");
            return ExitCodes.BadUsage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }
}
