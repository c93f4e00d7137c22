/*
 * Time epochs of BP in FANN 2.2 (double precision) for benchmarks/run.py.
 *
 * Usage: fann_bench DATA_FILE BATCH_SIZE EPOCHS ALPHA WEIGHTS_OUT
 *
 * DATA_FILE holds, in native byte order: int32 m, n_in, n_hidden, n_out; then float64 X (m x n_in),
 * Y (m x n_out), W1 (n_hidden x n_in), b1 (n_hidden), W2 (n_out x n_hidden), b2 (n_out).
 * Prints "output0 VALUE", a^L_1 of the first sample before training, then one line per epoch,
 * "epoch SECONDS", and writes the final W1, b1, W2, b2 to WEIGHTS_OUT.
 *
 * Online BP is fann_train per sample, FANN's incremental mode. FANN has no mini-batch mode, so
 * a batch of B samples runs the steps of fann_train_epoch_batch on those B samples: fann_run,
 * fann_compute_MSE, fann_backpropagate_MSE and fann_update_slopes_batch per sample, then one
 * fann_update_weights_batch, which divides the summed slopes by B. B = m is FANN's batch mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <doublefann.h>
#include <fann_internal.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void read_block(FILE *file, double *buffer, size_t count)
{
    if (fread(buffer, sizeof(double), count, file) != count) {
        fprintf(stderr, "fann_bench: data file ended early\n");
        exit(1);
    }
}

/* FANN stores, for each neuron after the input layer, its weights from every neuron of the
 * previous layer and then from that layer's bias neuron: [W[i, :], b[i]]. */
static void copy_weights(fann_type *weights, double *W, double *b, int rows, int cols, int to_fann)
{
    for (int i = 0; i < rows; i++) {
        fann_type *row = weights + (size_t)i * (cols + 1);
        for (int j = 0; j < cols; j++) {
            if (to_fann) row[j] = W[(size_t)i * cols + j];
            else W[(size_t)i * cols + j] = row[j];
        }
        if (to_fann) row[cols] = b[i];
        else b[i] = row[cols];
    }
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: fann_bench DATA_FILE BATCH_SIZE EPOCHS ALPHA WEIGHTS_OUT\n");
        return 2;
    }
    FILE *file = fopen(argv[1], "rb");
    if (!file) {
        perror(argv[1]);
        return 1;
    }
    int sizes[4];
    if (fread(sizes, sizeof(int), 4, file) != 4) {
        fprintf(stderr, "fann_bench: cannot read the header of %s\n", argv[1]);
        return 1;
    }
    int m = sizes[0], n_in = sizes[1], n_hidden = sizes[2], n_out = sizes[3];
    int batch_size = atoi(argv[2]), epochs = atoi(argv[3]);
    double alpha = atof(argv[4]);

    double *X = malloc(sizeof(double) * (size_t)m * n_in);
    double *Y = malloc(sizeof(double) * (size_t)m * n_out);
    double *W1 = malloc(sizeof(double) * (size_t)n_hidden * n_in), *b1 = malloc(sizeof(double) * n_hidden);
    double *W2 = malloc(sizeof(double) * (size_t)n_out * n_hidden), *b2 = malloc(sizeof(double) * n_out);
    read_block(file, X, (size_t)m * n_in);
    read_block(file, Y, (size_t)m * n_out);
    read_block(file, W1, (size_t)n_hidden * n_in);
    read_block(file, b1, n_hidden);
    read_block(file, W2, (size_t)n_out * n_hidden);
    read_block(file, b2, n_out);
    fclose(file);

    struct fann *ann = fann_create_standard(3, n_in, n_hidden, n_out);
    /* Steepness 0.5 makes FANN's sigmoid 1 / (1 + exp(-2 * 0.5 * z)), the standard logistic. */
    fann_set_activation_function_hidden(ann, FANN_SIGMOID);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    fann_set_activation_steepness_hidden(ann, 0.5);
    fann_set_activation_steepness_output(ann, 0.5);
    /* The linear error function is the quadratic cost's a - y; FANN's default is tanh-shaped. */
    fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
    fann_set_learning_rate(ann, (float)alpha);
    fann_set_learning_momentum(ann, 0.0f);
    if (ann->total_connections != (unsigned int)((n_in + 1) * n_hidden + (n_hidden + 1) * n_out)) {
        fprintf(stderr, "fann_bench: unexpected FANN weight layout\n");
        return 1;
    }
    copy_weights(ann->weights, W1, b1, n_hidden, n_in, 1);
    copy_weights(ann->weights + (size_t)(n_in + 1) * n_hidden, W2, b2, n_out, n_hidden, 1);

    /* The caller compares this with its own forward pass to confirm the weight layout. */
    fann_type *first_output = fann_run(ann, X);
    printf("output0 %.17g\n", first_output[0]);

    int *order = malloc(sizeof(int) * m);
    unsigned int seed = 1;
    for (int epoch = 0; epoch < epochs; epoch++) {
        for (int i = 0; i < m; i++) order[i] = i;
        for (int i = m - 1; i > 0; i--) {
            int j = rand_r(&seed) % (i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double start = now();
        if (batch_size == 1) {
            for (int i = 0; i < m; i++)
                fann_train(ann, X + (size_t)order[i] * n_in, Y + (size_t)order[i] * n_out);
        } else {
            for (int begin = 0; begin < m; begin += batch_size) {
                int end = begin + batch_size < m ? begin + batch_size : m;
                for (int i = begin; i < end; i++) {
                    fann_run(ann, X + (size_t)order[i] * n_in);
                    fann_compute_MSE(ann, Y + (size_t)order[i] * n_out);
                    fann_backpropagate_MSE(ann);
                    fann_update_slopes_batch(ann, ann->first_layer + 1, ann->last_layer - 1);
                }
                fann_update_weights_batch(ann, end - begin, 0, ann->total_connections);
            }
        }
        printf("epoch %.6f\n", now() - start);
        fflush(stdout);
    }

    copy_weights(ann->weights, W1, b1, n_hidden, n_in, 0);
    copy_weights(ann->weights + (size_t)(n_in + 1) * n_hidden, W2, b2, n_out, n_hidden, 0);
    FILE *out = fopen(argv[5], "wb");
    if (!out) {
        perror(argv[5]);
        return 1;
    }
    fwrite(W1, sizeof(double), (size_t)n_hidden * n_in, out);
    fwrite(b1, sizeof(double), n_hidden, out);
    fwrite(W2, sizeof(double), (size_t)n_out * n_hidden, out);
    fwrite(b2, sizeof(double), n_out, out);
    fclose(out);
    fann_destroy(ann);
    return 0;
}
