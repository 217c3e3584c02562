using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using TokenCenter.Server.Hosting;
using TokenCenter.Server.Options;
using TokenCenter.Server.Platform;
using TokenCenter.Server.Security;
using TokenCenter.Server.Storage.Redis;

namespace TokenServer.Tests;

/// <summary>
/// docs/configuration.md cannot drift from the code: every configuration key the options classes bind
/// (and the few keys read directly) is documented there, and every key documented there exists.
/// </summary>
public sealed partial class ConfigurationReferenceTests
{
    // Keys read from configuration directly rather than bound to an options class.
    private static readonly string[] DirectKeys =
    [
        "Grpc:MaxReceiveMessageSize", "Grpc:MaxSendMessageSize", "Grpc:ResponseCompressionAlgorithm", "Grpc:EnableDetailedErrors",
        "Grpc:EnableReflection", "Simulator:Enabled", "Secrets:Directory", "Shutdown:Timeout", "Otlp:Endpoint", "Otlp:Protocol",
        "TokenCenter:Apps:N:SimulatorSecret",
    ];

    [Fact]
    public void Every_configuration_key_is_documented_in_docs_configuration_md()
    {
        var documented = DocumentedKeys();
        var missing = CodeKeys().Where(k => !documented.Contains(k)).ToList();
        Assert.True(missing.Count == 0, "Not documented in docs/configuration.md:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void Every_key_in_docs_configuration_md_exists_in_the_code()
    {
        var code = CodeKeys().ToHashSet(StringComparer.Ordinal);
        var unknown = DocumentedKeys().Where(k => !code.Contains(k)).ToList();
        Assert.True(unknown.Count == 0, "Documented in docs/configuration.md but not read by the code:\n" + string.Join('\n', unknown));
    }

    private static IEnumerable<string> CodeKeys()
    {
        var roots = new (string Section, Type Type)[]
        {
            ("TokenCenter", typeof(TokenCenterOptions)),
            ("TokenCenter", typeof(PlatformOptions)),
            ("Redis", typeof(RedisOptions)),
            ("Auth", typeof(AuthOptions)),
            ("Limits", typeof(LimitsOptions)),
            ("Listeners", typeof(ListenerOptions)),
        };
        return roots.SelectMany(r => Keys(r.Section, r.Type)).Concat(DirectKeys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
    }

    private static IEnumerable<string> Keys(string prefix, Type type)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0 || (p.SetMethod?.IsPublic != true && !IsList(p.PropertyType)))
            {
                continue;
            }

            var key = $"{prefix}:{p.Name}";
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            if (IsSimple(t))
            {
                yield return key;
            }
            else if (IsList(t))
            {
                var element = t.IsArray ? t.GetElementType()! : t.GetGenericArguments()[0];
                if (IsSimple(element))
                {
                    yield return key + ":N";
                }
                else
                {
                    foreach (var k in Keys(key + ":N", element))
                    {
                        yield return k;
                    }
                }
            }
            else
            {
                foreach (var k in Keys(key, t))
                {
                    yield return k;
                }
            }
        }
    }

    private static bool IsSimple(Type t) =>
        t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(TimeSpan) || t == typeof(Uri) || t == typeof(decimal) || t == typeof(DateTimeOffset);

    private static bool IsList(Type t) =>
        t != typeof(string) && (t.IsArray || (t.IsGenericType && typeof(IEnumerable).IsAssignableFrom(t) && t.GetGenericArguments().Length == 1));

    private static HashSet<string> DocumentedKeys()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "TokenCenter.sln")))
        {
            root = root.Parent;
        }

        var text = File.ReadAllText(Path.Combine(root!.FullName, "docs", "configuration.md"));
        return DocumentedKey().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
    }

    // A key at the start of a table row: | `Section:Key` |
    [GeneratedRegex(@"^\|\s*`([A-Za-z]+(?::[A-Za-z0-9]+)+)`", RegexOptions.Multiline)]
    private static partial Regex DocumentedKey();
}
