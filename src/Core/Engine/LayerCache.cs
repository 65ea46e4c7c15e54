namespace ImageTasks.Engine;

/// <summary>One layer in the cache repository.</summary>
public sealed record CachedLayer(string Key, string ImageId, DateTimeOffset Created, long Size);

/// <summary>Lists and prunes the cache repository, where every layer is tagged with its key.</summary>
public sealed class LayerCache(IImageBackend backend, string repository = "imagetasks-cache")
{
    public async Task<IReadOnlyList<CachedLayer>> ListAsync(CancellationToken cancellationToken)
    {
        var images = await backend.ListImagesAsync(repository, cancellationToken).ConfigureAwait(false);
        var prefix = repository + ":";
        return images
            .SelectMany(i => i.Tags.Where(t => t.StartsWith(prefix, StringComparison.Ordinal))
                .Select(t => new CachedLayer(t[prefix.Length..], i.Id, i.Created, i.Size)))
            .OrderBy(l => l.Created).ThenBy(l => l.Key, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>
    /// Removes cached layers created before <paramref name="olderThan"/> (when given) and not in
    /// <paramref name="keep"/> (when given: the keys of the current definition's plan). Returns what was removed.
    /// Images still used by a tagged image or container stay on the engine; only their cache tag goes.
    /// </summary>
    public async Task<IReadOnlyList<CachedLayer>> PruneAsync(DateTimeOffset? olderThan, IReadOnlySet<string>? keep, CancellationToken cancellationToken)
    {
        var removed = new List<CachedLayer>();
        foreach (var layer in await ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (olderThan is { } limit && layer.Created >= limit) continue;
            if (keep is not null && keep.Contains(layer.Key)) continue;
            await backend.RemoveImageAsync($"{repository}:{layer.Key}", cancellationToken).ConfigureAwait(false);
            removed.Add(layer);
        }
        return removed;
    }
}
