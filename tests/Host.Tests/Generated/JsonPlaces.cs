using System.Collections.Immutable;

namespace AlexNet.Experiments.Host.Tests.Generated;

/// <summary>Places in a <see cref="JsonText"/>, as the child indexes that lead to them (the root is the empty list).</summary>
public static class JsonPlaces
{
    /// <summary>Only the first items of an array are places, so an oversized array costs no more to mutate than a short one.</summary>
    private const int ItemsVisited = 8;

    public static IEnumerable<ImmutableList<int>> All(JsonText? root) => root is null ? [] : Below(root, []);

    public static JsonText At(JsonText root, ImmutableList<int> place) => place.Aggregate(root, (node, index) => Children(node)[index]);

    public static JsonText Replace(JsonText root, ImmutableList<int> place, Func<JsonText, JsonText> change)
    {
        if (place.IsEmpty)
        {
            return change(root);
        }

        int index = place[0];
        var rest = place.RemoveAt(0);
        return root switch
        {
            JsonText.Array array => new JsonText.Array(array.Items.SetItem(index, Replace(array.Items[index], rest, change))),
            JsonText.Object obj => new JsonText.Object(obj.Members.SetItem(index, obj.Members[index] with { Value = Replace(obj.Members[index].Value, rest, change) })),
            _ => throw new ArgumentOutOfRangeException(nameof(place), "A scalar has no children."),
        };
    }

    /// <summary>The JSON kind of a node: null, true/false, number or another raw token, string, array or object.</summary>
    public static string Kind(JsonText node) => node switch
    {
        JsonText.Raw { Token: "null" } => "null",
        JsonText.Raw { Token: "true" or "false" } => "boolean",
        JsonText.Raw => "number",
        JsonText.Text => "string",
        JsonText.Array => "array",
        _ => "object",
    };

    private static IEnumerable<ImmutableList<int>> Below(JsonText node, ImmutableList<int> place)
    {
        yield return place;
        var children = Children(node);
        for (int i = 0; i < Math.Min(children.Count, ItemsVisited); i++)
        {
            foreach (var inner in Below(children[i], place.Add(i)))
            {
                yield return inner;
            }
        }
    }

    private static IReadOnlyList<JsonText> Children(JsonText node) => node switch
    {
        JsonText.Array array => array.Items,
        JsonText.Object obj => obj.Members.Select(m => m.Value).ToList(),
        _ => [],
    };
}
