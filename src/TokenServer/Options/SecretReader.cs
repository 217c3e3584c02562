namespace TokenCenter.Server.Options;

/// <summary>Reads an app's secret from <see cref="AppOptions.Secret"/> or <see cref="AppOptions.SecretFile"/>.</summary>
internal static class SecretReader
{
    /// <summary>Returns the secret, or null with <paramref name="problem"/> saying why (never the secret itself).</summary>
    public static string? TryRead(AppOptions app, string path, out string? problem)
    {
        var hasSecret = !string.IsNullOrWhiteSpace(app.Secret);
        var hasFile = !string.IsNullOrWhiteSpace(app.SecretFile);
        problem = null;
        if (hasSecret && hasFile)
        {
            problem = $"{path}:Secret and {path}:SecretFile are both set; set only one";
            return null;
        }

        if (hasSecret)
        {
            return app.Secret!.Trim();
        }

        if (!hasFile)
        {
            problem = $"{path}:Secret is required (or set {path}:SecretFile)";
            return null;
        }

        string text;
        try
        {
            text = File.ReadAllText(app.SecretFile!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            problem = $"{path}:SecretFile '{app.SecretFile}' cannot be read ({ex.GetType().Name})";
            return null;
        }

        text = text.Trim();
        if (text.Length == 0)
        {
            problem = $"{path}:SecretFile '{app.SecretFile}' is empty";
            return null;
        }

        return text;
    }
}
