using System.Text;

namespace TokenCenter.Server.Observability;

/// <summary>Writes the Prometheus text exposition format, version 0.0.4.</summary>
internal sealed class PrometheusTextWriter
{
    /// <summary>Content type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();

    public void Family(string name, string type, string help)
    {
        _text.Append("# HELP ").Append(name).Append(' ').Append(PrometheusNames.EscapeHelp(help)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Sample(string name, IReadOnlyList<KeyValuePair<string, string>> labels, double value)
    {
        _text.Append(name);
        if (labels.Count > 0)
        {
            _text.Append('{');
            for (var i = 0; i < labels.Count; i++)
            {
                if (i > 0)
                {
                    _text.Append(',');
                }

                _text.Append(labels[i].Key).Append("=\"").Append(PrometheusNames.EscapeLabelValue(labels[i].Value)).Append('"');
            }

            _text.Append('}');
        }

        _text.Append(' ').Append(PrometheusNames.Value(value)).Append('\n');
    }

    public override string ToString() => _text.ToString();
}
