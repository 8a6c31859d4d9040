/* The network: pooled 8-bit embedding rows -> hidden ReLU -> logits
 * (docs/FORMAT.md, "Pool" and "Network"). */
#include <string.h>

#include "internal.h"

size_t snlp_workspace_doubles(const snlp_model *model) {
    size_t width = 0;
    if (!model) return 0;
    for (size_t g = 0; g < snlp_model_group_count(model); g++)
        width += snlp_model_group(model, g)->dims;
    return width + snlp_model_hidden(model);
}

/* sum(w * offset) + sum((w * scale) * codes), in float32 as the reference. */
snlp_status snlp_pool_group(const snlp_model *model, size_t group,
                            const snlp_features *features, double *out) {
    const snlp_group *g = snlp_model_group(model, group);
    const snlp_embedding *e = snlp_model_embedding(model, group);
    float shift = 0.0f, sums[256];
    if (g->dims > sizeof sums / sizeof *sums) return SNLP_ERR_UNSUPPORTED;
    memset(sums, 0, sizeof sums);
    for (size_t f = 0; f < features->count; f++) {
        uint32_t id = features->ids[f];
        float weight = features->weights[f], step;
        const uint8_t *row;
        if (id >= g->buckets) return SNLP_ERR_ARGUMENT;
        step = snlp_half_to_float(snlp_read_u16(e->scale.data + 2 * (size_t)id)) * weight;
        shift += snlp_half_to_float(snlp_read_u16(e->offset.data + 2 * (size_t)id)) * weight;
        row = e->codes.data + (size_t)id * g->dims;
        for (uint32_t d = 0; d < g->dims; d++) sums[d] += (float)row[d] * step;
    }
    for (uint32_t d = 0; d < g->dims; d++)
        out[d] = features->count ? (double)(sums[d] + shift) : 0.0;
    return SNLP_OK;
}

snlp_status snlp_model_logits(const snlp_model *model, const snlp_features *groups,
                              double *workspace, double *logits) {
    const snlp_matrix *w1, *b1, *w2, *b2;
    size_t width = 0, hidden, labels;
    double *input = workspace, *activation;
    if (!model || !groups || !workspace || !logits) return SNLP_ERR_ARGUMENT;
    for (size_t g = 0; g < snlp_model_group_count(model); g++) {
        snlp_status status = snlp_pool_group(model, g, &groups[g], input + width);
        if (status != SNLP_OK) return status;
        width += snlp_model_group(model, g)->dims;
    }
    w1 = snlp_model_dense(model, SNLP_HIDDEN_WEIGHTS);
    b1 = snlp_model_dense(model, SNLP_HIDDEN_BIAS);
    w2 = snlp_model_dense(model, SNLP_OUTPUT_WEIGHTS);
    b2 = snlp_model_dense(model, SNLP_OUTPUT_BIAS);
    hidden = snlp_model_hidden(model);
    labels = snlp_model_label_count(model);
    activation = workspace + width;
    for (size_t h = 0; h < hidden; h++) activation[h] = 0.0;
    for (size_t i = 0; i < width; i++) {
        const uint8_t *row = w1->data + 4 * i * hidden;
        if (input[i] == 0.0) continue;
        for (size_t h = 0; h < hidden; h++)
            activation[h] += input[i] * (double)snlp_read_f32(row + 4 * h);
    }
    for (size_t h = 0; h < hidden; h++) {
        activation[h] += (double)snlp_read_f32(b1->data + 4 * h);
        if (activation[h] < 0.0) activation[h] = 0.0;
    }
    for (size_t k = 0; k < labels; k++) logits[k] = (double)snlp_read_f32(b2->data + 4 * k);
    for (size_t h = 0; h < hidden; h++) {
        const uint8_t *row = w2->data + 4 * h * labels;
        if (activation[h] == 0.0) continue;
        for (size_t k = 0; k < labels; k++)
            logits[k] += activation[h] * (double)snlp_read_f32(row + 4 * k);
    }
    return SNLP_OK;
}
