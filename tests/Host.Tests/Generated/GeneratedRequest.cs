using System.Collections.Immutable;
using System.Net.Http.Headers;
using System.Text;

namespace AlexNet.Experiments.Host.Tests.Generated;

/// <summary>A name and a value: a path parameter or one query parameter (a repeated name is repeated here).</summary>
public sealed record Field(string Name, string Value);

/// <summary>
/// A request while it is generated and mutated: its operation, the values of its path and query parameters, and its JSON body
/// (or the bytes of an upload). <see cref="Render"/> turns it into what is sent.
/// </summary>
public sealed record RequestDraft(
    ApiOperation Operation, ImmutableList<Field> PathValues, ImmutableList<Field> Query, JsonText? Json, byte[]? Upload, ImmutableList<string> Mutations)
{
    public const string Boundary = "generated-boundary";

    public GeneratedRequest Render()
    {
        string path = PathValues.Aggregate(Operation.Path, (template, field) => template.Replace($"{{{field.Name}}}", UrlText.Escape(field.Value), StringComparison.Ordinal));
        string url = Query.Count == 0 ? path : $"{path}?{string.Join('&', Query.Select(q => $"{UrlText.Escape(q.Name)}={UrlText.Escape(q.Value)}"))}";
        return (Json, Upload) switch
        {
            ({ } json, _) => new GeneratedRequest(Operation, url, Operation.BodyContentType ?? "application/json", Encoding.UTF8.GetBytes(json.ToString()), Mutations),
            (null, { } image) => new GeneratedRequest(Operation, url, $"multipart/form-data; boundary={Boundary}", Multipart(image), Mutations),
            _ => new GeneratedRequest(Operation, url, null, null, Mutations),
        };
    }

    private static byte[] Multipart(byte[] image) =>
    [
        .. Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n"),
        .. image,
        .. Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n"),
    ];
}

/// <summary>One generated request as sent; <see cref="ToString"/> is what a failing case prints.</summary>
public sealed record GeneratedRequest(ApiOperation Operation, string Url, string? ContentType, byte[]? Body, ImmutableList<string> Mutations)
{
    private const int ShownBodyChars = 2000;

    public string Method => Operation.Method;

    /// <summary>What CsCheck shrinks: a failing request with fewer bytes is a smaller case.</summary>
    public ulong Length => (ulong)(Url.Length + (Body?.Length ?? 0));

    /// <summary>"GET /api/runs?page=1 HTTP/1.1", as Kestrel measures it against its limit.</summary>
    public int RequestLineLength => Method.Length + 1 + Url.Length + " HTTP/1.1\r\n".Length;

    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(new HttpMethod(Method), new Uri(Url, UriKind.Relative));
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType!);
        }

        return message;
    }

    public override string ToString()
    {
        string body = Body is null ? "" : Encoding.UTF8.GetString(Body);
        string shown = body.Length <= ShownBodyChars ? body : $"{body[..ShownBodyChars]}... ({Body!.Length:N0} bytes in all)";
        string url = Url.Length <= ShownBodyChars ? Url : $"{Url[..ShownBodyChars]}... ({Url.Length:N0} characters in all)";
        return $"{Method} {url}\n{(ContentType is null ? "" : $"Content-Type: {ContentType}\n")}{shown}\n(operation {Operation}; mutations: {(Mutations.IsEmpty ? "none" : string.Join(", ", Mutations))})";
    }
}

/// <summary>
/// Percent-encoding of any text, including what Uri.EscapeDataString refuses: a lone UTF-16 surrogate is written as the three
/// bytes UTF-8 would give it if it allowed one (%ED%A0%80), so the server sees an invalid UTF-8 sequence, as a hostile client can send.
/// </summary>
public static class UrlText
{
    public static string Escape(string value)
    {
        var builder = new StringBuilder();
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                builder.Append(c);
                continue;
            }

            int codePoint = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) ? char.ConvertToUtf32(c, value[++i]) : c;
            foreach (byte b in Utf8(codePoint))
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static byte[] Utf8(int codePoint) => codePoint switch
    {
        < 0x80 => [(byte)codePoint],
        < 0x800 => [(byte)(0xC0 | (codePoint >> 6)), (byte)(0x80 | (codePoint & 0x3F))],
        < 0x10000 => [(byte)(0xE0 | (codePoint >> 12)), (byte)(0x80 | ((codePoint >> 6) & 0x3F)), (byte)(0x80 | (codePoint & 0x3F))],
        _ => [(byte)(0xF0 | (codePoint >> 18)), (byte)(0x80 | ((codePoint >> 12) & 0x3F)), (byte)(0x80 | ((codePoint >> 6) & 0x3F)), (byte)(0x80 | (codePoint & 0x3F))],
    };
}
