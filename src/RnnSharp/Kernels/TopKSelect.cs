using System.Numerics;

namespace RnnSharp.Kernels;

/// <summary>
/// The order ATen's CPU <c>topk</c> leaves elements in, ties included: it fills a queue of (value, index) pairs and
/// calls libstdc++'s <c>std::partial_sort</c> (when <c>k·64 ≤ n</c>) or <c>std::nth_element</c> then
/// <c>std::sort</c> of the first <c>k − 1</c>. Neither is stable, so which of several equal values comes first
/// depends on those algorithms' exact steps; this class repeats them step for step (libstdc++'s introselect,
/// introsort and heap routines) so that tied indices match PyTorch's. <see cref="Sort(Span{ValueTuple{T, int}}, bool)"/> is
/// the same <c>std::sort</c> for ATen's <c>sort</c>. Generic over float32 and int64 keys.
/// </summary>
internal static class TopKSelect<T>
    where T : INumber<T>
{
    private const int SortThreshold = 16;

    /// <summary>Orders <paramref name="queue"/> so that its first <paramref name="k"/> entries are what PyTorch's topk returns, in its order.</summary>
    public static void Select(Span<(T Value, int Index)> queue, int k, bool largest)
    {
        int n = queue.Length;
        if (k == 0 || n == 0)
        {
            return;
        }

        var comp = new Comparer(largest);
        if ((long)k * 64 <= n)
        {
            PartialSort(queue, k, n, comp);
        }
        else
        {
            IntroSelect(queue, 0, k - 1, n, 2 * Lg(n), comp);
            Sort(queue, 0, k - 1, comp);
        }
    }

    /// <summary>
    /// Sorts all of <paramref name="a"/> as ATen's CPU <c>sort</c> does without <c>stable=True</c>: libstdc++'s
    /// <c>std::sort</c> (introsort, then insertion sort) with the same comparator, so equal values end up in PyTorch's order.
    /// </summary>
    public static void Sort(Span<(T Value, int Index)> a, bool descending) => Sort(a, 0, a.Length, new Comparer(descending));

    /// <summary>Sorts all of <paramref name="a"/> keeping equal values in their original order, as <c>std::stable_sort</c> (ATen's <c>stable=True</c>).</summary>
    public static void StableSort(Span<(T Value, int Index)> a, bool descending)
    {
        var comp = new Comparer(descending);
        a.Sort((x, y) => comp.Less(x, y) ? -1 : comp.Less(y, x) ? 1 : x.Index.CompareTo(y.Index));
    }

    private static int Lg(int n) => 31 - System.Numerics.BitOperations.LeadingZeroCount((uint)n);

    private static void Sort(Span<(T, int)> a, int first, int last, Comparer comp)
    {
        if (first == last)
        {
            return;
        }

        IntroSortLoop(a, first, last, 2 * Lg(last - first), comp);
        if (last - first > SortThreshold)
        {
            InsertionSort(a, first, first + SortThreshold, comp);
            for (int i = first + SortThreshold; i < last; i++)
            {
                UnguardedLinearInsert(a, i, comp);
            }
        }
        else
        {
            InsertionSort(a, first, last, comp);
        }
    }

    private static void IntroSortLoop(Span<(T, int)> a, int first, int last, int depthLimit, Comparer comp)
    {
        while (last - first > SortThreshold)
        {
            if (depthLimit == 0)
            {
                PartialSort(a[first..last], last - first, last - first, comp);
                return;
            }

            --depthLimit;
            int cut = UnguardedPartitionPivot(a, first, last, comp);
            IntroSortLoop(a, cut, last, depthLimit, comp);
            last = cut;
        }
    }

    private static void IntroSelect(Span<(T, int)> a, int first, int nth, int last, int depthLimit, Comparer comp)
    {
        while (last - first > 3)
        {
            if (depthLimit == 0)
            {
                HeapSelect(a[first..last], nth + 1 - first, last - first, comp);
                (a[first], a[nth]) = (a[nth], a[first]);
                return;
            }

            --depthLimit;
            int cut = UnguardedPartitionPivot(a, first, last, comp);
            if (cut <= nth)
            {
                first = cut;
            }
            else
            {
                last = cut;
            }
        }

        InsertionSort(a, first, last, comp);
    }

    private static int UnguardedPartitionPivot(Span<(T, int)> a, int first, int last, Comparer comp)
    {
        int mid = first + ((last - first) / 2);
        MoveMedianToFirst(a, first, first + 1, mid, last - 1, comp);
        return UnguardedPartition(a, first + 1, last, first, comp);
    }

    private static void MoveMedianToFirst(Span<(T, int)> a, int result, int x, int y, int z, Comparer comp)
    {
        int pick;
        if (comp.Less(a[x], a[y]))
        {
            pick = comp.Less(a[y], a[z]) ? y : comp.Less(a[x], a[z]) ? z : x;
        }
        else
        {
            pick = comp.Less(a[x], a[z]) ? x : comp.Less(a[y], a[z]) ? z : y;
        }

        (a[result], a[pick]) = (a[pick], a[result]);
    }

    private static int UnguardedPartition(Span<(T, int)> a, int first, int last, int pivot, Comparer comp)
    {
        while (true)
        {
            while (comp.Less(a[first], a[pivot]))
            {
                ++first;
            }

            --last;
            while (comp.Less(a[pivot], a[last]))
            {
                --last;
            }

            if (first >= last)
            {
                return first;
            }

            (a[first], a[last]) = (a[last], a[first]);
            ++first;
        }
    }

    private static void InsertionSort(Span<(T, int)> a, int first, int last, Comparer comp)
    {
        if (first == last)
        {
            return;
        }

        for (int i = first + 1; i < last; i++)
        {
            if (comp.Less(a[i], a[first]))
            {
                (T, int) value = a[i];
                a.Slice(first, i - first).CopyTo(a.Slice(first + 1, i - first));
                a[first] = value;
            }
            else
            {
                UnguardedLinearInsert(a, i, comp);
            }
        }
    }

    private static void UnguardedLinearInsert(Span<(T, int)> a, int last, Comparer comp)
    {
        (T, int) value = a[last];
        int next = last - 1;
        while (comp.Less(value, a[next]))
        {
            a[last] = a[next];
            last = next;
            --next;
        }

        a[last] = value;
    }

    /// <summary>std::partial_sort(first, first + middle, first + len): heap-select then sort the heap.</summary>
    private static void PartialSort(Span<(T, int)> a, int middle, int len, Comparer comp)
    {
        HeapSelect(a, middle, len, comp);
        for (int last = middle; last > 1;)
        {
            --last;
            PopHeap(a, last, last, comp);
        }
    }

    private static void HeapSelect(Span<(T, int)> a, int middle, int len, Comparer comp)
    {
        MakeHeap(a, middle, comp);
        for (int i = middle; i < len; i++)
        {
            if (comp.Less(a[i], a[0]))
            {
                PopHeap(a, middle, i, comp);
            }
        }
    }

    private static void MakeHeap(Span<(T, int)> a, int len, Comparer comp)
    {
        if (len < 2)
        {
            return;
        }

        for (int parent = (len - 2) / 2; ; parent--)
        {
            AdjustHeap(a, parent, len, a[parent], comp);
            if (parent == 0)
            {
                return;
            }
        }
    }

    private static void PopHeap(Span<(T, int)> a, int len, int result, Comparer comp)
    {
        (T, int) value = a[result];
        a[result] = a[0];
        AdjustHeap(a, 0, len, value, comp);
    }

    private static void AdjustHeap(Span<(T, int)> a, int holeIndex, int len, (T, int) value, Comparer comp)
    {
        int topIndex = holeIndex;
        int secondChild = holeIndex;
        while (secondChild < (len - 1) / 2)
        {
            secondChild = 2 * (secondChild + 1);
            if (comp.Less(a[secondChild], a[secondChild - 1]))
            {
                secondChild--;
            }

            a[holeIndex] = a[secondChild];
            holeIndex = secondChild;
        }

        if ((len & 1) == 0 && secondChild == (len - 2) / 2)
        {
            secondChild = 2 * (secondChild + 1);
            a[holeIndex] = a[secondChild - 1];
            holeIndex = secondChild - 1;
        }

        int parent = (holeIndex - 1) / 2;
        while (holeIndex > topIndex && comp.Less(a[parent], value))
        {
            a[holeIndex] = a[parent];
            holeIndex = parent;
            parent = (holeIndex - 1) / 2;
        }

        a[holeIndex] = value;
    }

    /// <summary>ATen's comparator: "comes first" is greater (NaN first) for largest, smaller (NaN last) otherwise.</summary>
    private readonly struct Comparer(bool largest)
    {
        public bool Less((T Value, int Index) x, (T Value, int Index) y) => largest
            ? (T.IsNaN(x.Value) && !T.IsNaN(y.Value)) || x.Value > y.Value
            : (!T.IsNaN(x.Value) && T.IsNaN(y.Value)) || x.Value < y.Value;
    }
}
