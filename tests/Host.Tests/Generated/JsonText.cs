using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace AlexNet.Experiments.Host.Tests.Generated;

/// <summary>
/// JSON as the generator writes it, valid or not: an object's members are a list, so a key may repeat, and a raw token may be
/// anything (NaN, 1e309, a number no type holds). Strings escape controls and every UTF-16 surrogate, so a lone one reaches the
/// server as \ud800 rather than being replaced on the way out.
/// </summary>
public abstract record JsonText
{
    public static readonly JsonText Null = new Raw("null");

    public sealed record Raw(string Token) : JsonText;

    public sealed record Text(string Value) : JsonText;

    public sealed record Array(ImmutableList<JsonText> Items) : JsonText;

    public sealed record Object(ImmutableList<Member> Members) : JsonText;

    public sealed record Member(string Key, JsonText Value);

    public static JsonText Number(long value) => new Raw(value.ToString(CultureInfo.InvariantCulture));

    public static JsonText Number(double value) => new Raw(value.ToString("R", CultureInfo.InvariantCulture));

    public override string ToString()
    {
        var builder = new StringBuilder();
        Write(this, builder);
        return builder.ToString();
    }

    private static void Write(JsonText json, StringBuilder builder)
    {
        switch (json)
        {
            case Raw raw:
                builder.Append(raw.Token);
                break;
            case Text text:
                WriteString(text.Value, builder);
                break;
            case Array array:
                builder.Append('[');
                for (int i = 0; i < array.Items.Count; i++)
                {
                    builder.Append(i == 0 ? "" : ",");
                    Write(array.Items[i], builder);
                }

                builder.Append(']');
                break;
            case Object obj:
                builder.Append('{');
                for (int i = 0; i < obj.Members.Count; i++)
                {
                    builder.Append(i == 0 ? "" : ",");
                    WriteString(obj.Members[i].Key, builder);
                    builder.Append(':');
                    Write(obj.Members[i].Value, builder);
                }

                builder.Append('}');
                break;
        }
    }

    private static void WriteString(string value, StringBuilder builder)
    {
        builder.Append('"');
        foreach (char c in value)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (c < 0x20 || char.IsSurrogate(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        builder.Append('"');
    }
}
