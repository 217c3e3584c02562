using System.Xml;

namespace TokenCenter.Server.Platform.Callback;

/// <summary>
/// Parses the flat XML documents WeChat posts (<c>&lt;xml&gt;&lt;Name&gt;value&lt;/Name&gt;…&lt;/xml&gt;</c>) with DTD
/// processing prohibited, no resolver (no external entity is ever fetched) and a character limit, so a DTD,
/// an external entity or an entity expansion ("billion laughs") is refused before anything is expanded.
/// </summary>
internal static class SafeXml
{
    /// <summary>The root's child elements (name → text), or null with <paramref name="error"/> when the document is refused.</summary>
    public static Dictionary<string, string>? TryParseFlat(string xml, int maxCharacters, out string error)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = maxCharacters,
            MaxCharactersFromEntities = 1024,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            CloseInput = true,
        };
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            reader.MoveToContent();
            if (reader.NodeType != XmlNodeType.Element)
            {
                error = "no root element";
                return null;
            }

            if (reader.IsEmptyElement)
            {
                error = string.Empty;
                return fields;
            }

            var depth = reader.Depth;
            reader.Read();
            while (!reader.EOF && reader.Depth > depth)
            {
                if (reader.NodeType == XmlNodeType.Element && reader.Depth == depth + 1)
                {
                    var name = reader.LocalName;
                    var value = reader.ReadElementContentAsString();
                    fields.TryAdd(name, value);
                }
                else
                {
                    reader.Read();
                }
            }

            error = string.Empty;
            return fields;
        }
        catch (XmlException ex)
        {
            error = "malformed or forbidden XML: " + ex.Message;
            return null;
        }
    }
}
