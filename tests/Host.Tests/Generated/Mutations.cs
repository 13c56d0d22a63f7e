using System.Collections.Immutable;

namespace AlexNet.Experiments.Host.Tests.Generated;

/// <summary>
/// Issue 25's hostile changes to a valid request, each at a drawn place: a node of the JSON body, a query parameter or a path
/// parameter. Nulls anywhere; wrong JSON kinds; NaN, infinities and 1e309; numbers beyond int and long, and negative ones; very long
/// strings; control characters, bidirectional overrides and isolates, and lone surrogates; duplicate and unknown keys; oversized arrays.
/// </summary>
public sealed class Mutations(Draw draw, KnownValues known)
{
    private static readonly string[] NonFinite = ["NaN", "Infinity", "-Infinity", "1e309", "-1e309"];

    private static readonly string[] HugeIntegers =
        ["2147483648", "-2147483649", "-2147483648", "2147483647", "9223372036854775808", "-1", "4294967296", "1e30", "100000000000000000000000000000", "-0", "1.0"];

    /// <summary>C0 and C1 controls, DEL, the bidirectional embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069), a BOM and a lone surrogate.</summary>
    private static readonly char[] Hostile =
    [
        '\0', '\u0007', '\b', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009b',
        '\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\uFEFF', '\uD800', '\uDFFF',
    ];

    private static readonly int[] BodyStringLengths = [300, 5_000, 100_000, 1_100_000];
    private static readonly int[] UrlStringLengths = [300, 3_000, 20_000];
    private static readonly int[] ArrayLengths = [300, 5_000, 70_000, 200_000];

    /// <summary>Past Kestrel's request-line limit and short of what makes it drop the connection while the client still writes.</summary>
    private const int MaxRepeatedQueryChars = 100_000;

    private delegate RequestDraft Mutation(RequestDraft draft);

    public RequestDraft Apply(RequestDraft draft, int count)
    {
        Mutation[] all = [Null, WrongKind, NonFiniteNumber, HugeInteger, LongString, HostileCharacter, DuplicateKey, UnknownKey, OversizedArray];
        for (int i = 0; i < count; i++)
        {
            draft = draw.Pick(all)(draft);
        }

        return draft;
    }

    private RequestDraft Null(RequestDraft draft) => Replace(draft, "null", _ => JsonText.Null, _ => draw.Pick(["", "null"]));

    private RequestDraft WrongKind(RequestDraft draft) => Replace(draft, "wrong kind",
        current => draw.Pick(new JsonText[] { new JsonText.Raw("0"), new JsonText.Raw("1.5"), new JsonText.Raw("true"), new JsonText.Text("x"), new JsonText.Array([]), new JsonText.Object([]) }
            .Where(j => JsonPlaces.Kind(j) != JsonPlaces.Kind(current)).ToList()),
        _ => draw.Pick(["x", "[]", "{}", "true", "1.5", "-", "0x10", "1_000"]));

    private RequestDraft NonFiniteNumber(RequestDraft draft) => Replace(draft, "non-finite",
        _ => draw.Chance(70) ? new JsonText.Raw(draw.Pick(NonFinite)) : new JsonText.Text(draw.Pick(NonFinite)),
        _ => draw.Pick(NonFinite));

    private RequestDraft HugeInteger(RequestDraft draft) => Replace(draft, "huge or negative integer",
        _ => new JsonText.Raw(draw.Pick(HugeIntegers)), _ => draw.Pick(HugeIntegers));

    private RequestDraft LongString(RequestDraft draft)
    {
        char c = draw.Pick(['a', 'é', '€', ' ', '\u202E']);
        return Replace(draft, "long string",
            _ => new JsonText.Text(new string(c, draw.Pick(BodyStringLengths))),
            _ => new string(c, draw.Pick(UrlStringLengths)));
    }

    private RequestDraft HostileCharacter(RequestDraft draft)
    {
        char c = draw.Pick(Hostile);
        string Insert(string text) => text.Insert(draw.Below(text.Length + 1), c.ToString());
        var texts = JsonPlaces.All(draft.Json).Where(p => JsonPlaces.At(draft.Json!, p) is JsonText.Text).ToList();
        var keys = JsonPlaces.All(draft.Json).Where(p => JsonPlaces.At(draft.Json!, p) is JsonText.Object { Members.Count: > 0 }).ToList();
        return draw.Below(4) switch
        {
            0 when texts.Count > 0 => Changed(draft, $"control or bidi U+{(int)c:X4} in a body string",
                draft with { Json = JsonPlaces.Replace(draft.Json!, draw.Pick(texts), t => new JsonText.Text(Insert(((JsonText.Text)t).Value))) }),
            1 when keys.Count > 0 => Changed(draft, $"control or bidi U+{(int)c:X4} in a body key",
                draft with { Json = JsonPlaces.Replace(draft.Json!, draw.Pick(keys), o => RenameMember((JsonText.Object)o, Insert)) }),
            2 when draft.PathValues.Count > 0 => Changed(draft, $"control or bidi U+{(int)c:X4} in a path parameter",
                draft with { PathValues = ChangeOne(draft.PathValues, Insert) }),
            _ when draft.Query.Count > 0 => Changed(draft, $"control or bidi U+{(int)c:X4} in a query value", draft with { Query = ChangeOne(draft.Query, Insert) }),
            _ => Changed(draft, $"query parameter with U+{(int)c:X4}", draft with { Query = draft.Query.Add(new Field(Insert(draw.Pick(known.Words)), Insert("x"))) }),
        };
    }

    private RequestDraft DuplicateKey(RequestDraft draft)
    {
        var objects = JsonPlaces.All(draft.Json).Where(p => JsonPlaces.At(draft.Json!, p) is JsonText.Object { Members.Count: > 0 }).ToList();
        if (objects.Count > 0 && draw.Chance(75))
        {
            return Changed(draft, "duplicate key", draft with
            {
                Json = JsonPlaces.Replace(draft.Json!, draw.Pick(objects), o =>
                {
                    var members = ((JsonText.Object)o).Members;
                    var copy = draw.Pick(members);
                    string key = draw.Chance(50) ? copy.Key : copy.Key.ToUpperInvariant();
                    return new JsonText.Object(members.Insert(draw.Below(members.Count + 1), copy with { Key = key, Value = draw.Chance(50) ? copy.Value : JsonText.Null }));
                }),
            });
        }

        return draft.Query.Count == 0 ? UnknownKey(draft)
            : Changed(draft, "repeated query parameter", draft with { Query = draft.Query.Add(draw.Pick(draft.Query) with { Value = draw.Pick(known.Words) }) });
    }

    private RequestDraft UnknownKey(RequestDraft draft)
    {
        string key = draw.Pick(["x", "", "$type", "__proto__", "constructor", "id", "status", "a.b", "model.dropout", "\u202Eevil"]);
        var objects = JsonPlaces.All(draft.Json).Where(p => JsonPlaces.At(draft.Json!, p) is JsonText.Object).ToList();
        return objects.Count > 0 && draw.Chance(75)
            ? Changed(draft, $"unknown key '{key}'", draft with
            {
                Json = JsonPlaces.Replace(draft.Json!, draw.Pick(objects), o => new JsonText.Object(((JsonText.Object)o).Members.Add(new JsonText.Member(key, new JsonText.Raw("1"))))),
            })
            : Changed(draft, $"unknown query parameter '{key}'", draft with { Query = draft.Query.Add(new Field(key, draw.Pick(known.Words))) });
    }

    private RequestDraft OversizedArray(RequestDraft draft)
    {
        int length = draw.Pick(ArrayLengths);
        var places = JsonPlaces.All(draft.Json).ToList();
        if (places.Count > 0 && draw.Chance(75))
        {
            return Changed(draft, $"array of {length:N0}", draft with
            {
                Json = JsonPlaces.Replace(draft.Json!, draw.Pick(places), node =>
                {
                    var item = node is JsonText.Array { Items.Count: > 0 } array ? array.Items[0] : node;
                    return new JsonText.Array(ImmutableList.CreateRange(Enumerable.Repeat(item, length)));
                }),
            });
        }

        var repeated = draft.Query.Count > 0 ? draw.Pick(draft.Query) : new Field("status", "Queued");
        int count = Math.Clamp(MaxRepeatedQueryChars / (repeated.Name.Length + repeated.Value.Length + 2), 1, Math.Min(length, 2_000));
        return Changed(draft, $"query parameter {repeated.Name} {count:N0} times", draft with { Query = draft.Query.AddRange(Enumerable.Repeat(repeated, count)) });
    }

    /// <summary>Changes one drawn place: a node of the body (three times in four when there is a body), else a query or path value.</summary>
    private RequestDraft Replace(RequestDraft draft, string name, Func<JsonText, JsonText> body, Func<string, string> text)
    {
        var places = JsonPlaces.All(draft.Json).ToList();
        int choice = places.Count > 0 && draw.Chance(75) ? 0 : draft.Query.Count > 0 && draw.Chance(70) ? 1 : draft.PathValues.Count > 0 ? 2 : 1;
        return choice switch
        {
            0 => Changed(draft, $"{name} in the body", draft with { Json = JsonPlaces.Replace(draft.Json!, draw.Pick(places), body) }),
            1 when draft.Query.Count > 0 => Changed(draft, $"{name} in the query", draft with { Query = ChangeOne(draft.Query, text) }),
            2 => Changed(draft, $"{name} in the path", draft with { PathValues = ChangeOne(draft.PathValues, text) }),
            _ => Changed(draft, $"{name} in an unknown query parameter", draft with { Query = draft.Query.Add(new Field(draw.Pick(known.Words), text(""))) }),
        };
    }

    private ImmutableList<Field> ChangeOne(ImmutableList<Field> fields, Func<string, string> change)
    {
        int index = draw.Below(fields.Count);
        return fields.SetItem(index, fields[index] with { Value = change(fields[index].Value) });
    }

    private JsonText.Object RenameMember(JsonText.Object obj, Func<string, string> rename)
    {
        int index = draw.Below(obj.Members.Count);
        return new JsonText.Object(obj.Members.SetItem(index, obj.Members[index] with { Key = rename(obj.Members[index].Key) }));
    }

    private static RequestDraft Changed(RequestDraft before, string mutation, RequestDraft after) => after with { Mutations = before.Mutations.Add(mutation) };
}
