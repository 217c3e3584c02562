using TokenCenter.Server.Platform.Callback;

namespace TokenServer.Platform.Tests;

/// <summary>Callback XML is parsed with DTDs prohibited: nothing is expanded or fetched.</summary>
public sealed class XmlTests
{
    [Fact]
    public void Flat_document_is_parsed()
    {
        var fields = SafeXml.TryParseFlat("<xml><AppId><![CDATA[wx1]]></AppId><CreateTime>17</CreateTime><Empty/></xml>", 65536, out _);

        Assert.NotNull(fields);
        Assert.Equal("wx1", fields["AppId"]);
        Assert.Equal("17", fields["CreateTime"]);
        Assert.Equal(string.Empty, fields["Empty"]);
    }

    [Theory]
    [InlineData("<!DOCTYPE xml [<!ENTITY x \"y\">]><xml><A>&x;</A></xml>")]
    [InlineData("<!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><A>&xxe;</A></xml>")]
    [InlineData("<!DOCTYPE xml SYSTEM \"http://127.0.0.1:1/evil.dtd\"><xml><A>1</A></xml>")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\"><!ENTITY lol9 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">]><xml><A>&lol9;</A></xml>")]
    [InlineData("<xml><A>&undefined;</A></xml>")]
    [InlineData("<xml><A>unclosed</xml>")]
    [InlineData("not xml")]
    public void Dtd_entities_and_malformed_documents_are_refused(string xml)
    {
        Assert.Null(SafeXml.TryParseFlat(xml, 65536, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Document_over_the_character_limit_is_refused()
    {
        var xml = "<xml><A>" + new string('a', 5000) + "</A></xml>";

        Assert.Null(SafeXml.TryParseFlat(xml, 4096, out _));
    }
}
