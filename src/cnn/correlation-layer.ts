/**
 * Feature correlation (Rocco, Arandjelović and Sivic, "Convolutional neural network architecture
 * for geometric matching", CVPR 2017): every position of the fixed feature map is compared with
 * every position of the moving one by the dot product of L2-normalised features. The regression
 * head then reads, at each fixed position, a map of where it matches in the moving image — from
 * which a global similarity follows. Concatenating the two feature maps instead forces the head to
 * learn that comparison itself, which it does not manage from random initialisation (measured:
 * training loss stayed at the identity's).
 *
 * Input: [fixed features [B, h, w, c], moving features [B, h, w, c]]; output [B, h, w, h·w],
 * rectified and L2-normalised along the last axis.
 */
import * as tf from '@tensorflow/tfjs';

/** Inside the square root: the gradient of √x is infinite at 0, and a rectified correlation row can be all zero. */
const EPSILON = 1e-12;

export class Correlation extends tf.layers.Layer {
  static className = 'XemregCorrelation';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [a] = inputShape as tf.Shape[];
    return [a[0], a[1], a[2], (a[1] as number) * (a[2] as number)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [a, b] = inputs as tf.Tensor4D[];
      const [batch, h, w, c] = a.shape;
      const norm = (x: tf.Tensor) => tf.sqrt(tf.add(tf.sum(tf.square(x), -1, true), EPSILON));
      const unit = (x: tf.Tensor4D) => tf.div(x, norm(x));
      const fa = tf.reshape(unit(a), [batch, h * w, c]);
      const fb = tf.reshape(unit(b), [batch, h * w, c]);
      const corr = tf.relu(tf.matMul(fa, fb, false, true)); // [B, hw (fixed), hw (moving)]
      const normalised = tf.div(corr, norm(corr));
      return tf.reshape(normalised, [batch, h, w, h * w]);
    });
  }
}

tf.serialization.registerClass(Correlation);
